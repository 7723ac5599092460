/*  us_args: command-line options and positional arguments. */
#include "us_args.h"
#include "us_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Returns the option called name, or NULL when not declared. */
us_opt_t *
us_args_opt (us_opt_t *opts, int n_opts, const char *name)
{
    for (int i = 0; i < n_opts; i++)
        if (strcmp (opts [i].name, name) == 0)
            return &opts [i];
    return NULL;
}

/* Splits argv into options and up to max_pos positionals. */
int
us_args_parse (const char **pos, int *n_pos, int max_pos, us_opt_t *opts,
               int n_opts, int argc, char **argv)
{
    *n_pos = 0;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv [i];
        if (!only_pos && strcmp (a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && strncmp (a, "--", 2) == 0) {
            char name [64];
            const char *eq = strchr (a + 2, '=');
            size_t len = eq ? (size_t) (eq - a - 2) : strlen (a + 2);
            if (len >= sizeof name)
                return us_error_set (US_EINVAL, "unknown option %.40s", a);
            memcpy (name, a + 2, len);
            name [len] = 0;
            us_opt_t *o = us_args_opt (opts, n_opts, name);
            if (!o)
                return us_error_set (US_EINVAL, "unknown option --%s", name);
            o->present = true;
            if (o->takes_value) {
                if (eq)
                    o->value = eq + 1;
                else
                if (i + 1 < argc)
                    o->value = argv [++i];
                else
                    return us_error_set (US_EINVAL, "option --%s needs a value", name);
            }
            else
            if (eq)
                return us_error_set (US_EINVAL, "option --%s takes no value", name);
            continue;
        }
        if (*n_pos == max_pos)
            return us_error_set (US_EINVAL, "unexpected argument '%.40s'", a);
        pos [(*n_pos)++] = a;
    }
    return 0;
}

/* Returns the value of option name, or def when absent. */
const char *
us_args_value (us_opt_t *opts, int n_opts, const char *name, const char *def)
{
    us_opt_t *o = us_args_opt (opts, n_opts, name);
    return o && o->value ? o->value : def;
}

/* Returns true when option name was given. */
bool
us_args_has (us_opt_t *opts, int n_opts, const char *name)
{
    us_opt_t *o = us_args_opt (opts, n_opts, name);
    return o && o->present;
}

static const us_prog_t *s_program;      /* the program us_args_main runs */
static const us_cmd_t *s_current;       /* the command it runs */
static const char *s_prog = "unionsync";
static const char *s_usage = "";

/* Names the program and its usage text for the helpers below. */
void
us_args_setup (const char *prog, const char *usage)
{
    s_prog = prog;
    s_usage = usage;
}

/* Prints the last error as one line and returns the exit code for rc. */
int
us_args_fail (int rc)
{
    fprintf (stderr, "%s: %s\n", s_prog, *us_error_msg () ? us_error_msg () : us_error_name (rc));
    if (rc == US_EUNREACH)
        return US_EXIT_UNREACHABLE;
    return rc == US_EINVAL || rc == US_ENOTFOUND || rc == US_EEXIST ? US_EXIT_USAGE : US_EXIT_RUNTIME;
}

/* Prints a usage error as one line and returns US_EXIT_USAGE. */
int
us_args_usage_error (const char *msg)
{
    fprintf (stderr, "%s: %s (see --help)\n", s_prog, msg);
    return US_EXIT_USAGE;
}

/* Returns the store path from --db, $UNIONSYNC_DB or ./unionsync.db. */
const char *
us_args_db_path (us_opt_t *opts, int n_opts)
{
    const char *env = getenv ("UNIONSYNC_DB");
    return us_args_value (opts, n_opts, "db", env && *env ? env : "unionsync.db");
}

/* Parses a command's arguments; returns -1 to go on, else an exit code
   (0 after printing --help). */
int
us_args_command (const char **pos, int *n_pos, int want_min, int want_max, us_opt_t *opts,
                 int n_opts, int argc, char **argv)
{
    if (us_args_parse (pos, n_pos, want_max, opts, n_opts, argc, argv) != 0)
        return us_args_usage_error (us_error_msg ());
    if (us_args_has (opts, n_opts, "help")) {
        if (s_program)
            us_args_help (stdout, s_program, s_current);
        else
            fputs (s_usage, stdout);
        return 0;
    }
    if (*n_pos < want_min)
        return us_args_usage_error ("missing arguments");
    return -1;
}

/*  ----------------------------------------------------------------------
    The command table: dispatch, help, suggestions, man page, completion
    ---------------------------------------------------------------------- */

#ifndef US_VERSION
#define US_VERSION "0.0.0"
#endif

/* Returns the version of the programs. */
const char *
us_args_version (void)
{
    return US_VERSION;
}

static int s_builtin_help (int argc, char **argv);
static int s_builtin_completion (int argc, char **argv);

/* Commands every program has, listed after its own. */
static const us_cmd_t s_builtins [] = {
    { "help", "[COMMAND]", "this help, or the help of one command",
      "With a command, prints what `COMMAND --help` prints: its arguments, what it does "
      "and an example.", "PROG help status", s_builtin_help, US_CMD_NO_STORE },
    { "completion", "bash", "print the bash completion script",
      "Installed packages put it in /usr/share/bash-completion/completions; from a build "
      "tree, load it into the current shell.",
      "source <(PROG completion bash)", s_builtin_completion, US_CMD_NO_STORE },
};
#define S_BUILTINS ((int) (sizeof s_builtins / sizeof s_builtins [0]))

/* Returns how many commands the program has, built-ins included. */
static int
s_count (const us_prog_t *prog)
{
    return prog->n_cmds + S_BUILTINS;
}

/* Returns command i of the program, built-ins last. */
static const us_cmd_t *
s_cmd (const us_prog_t *prog, int i)
{
    return i < prog->n_cmds ? &prog->cmds [i] : &s_builtins [i - prog->n_cmds];
}

/* Returns the command called name, or NULL. */
const us_cmd_t *
us_args_find (const us_prog_t *prog, const char *name)
{
    for (int i = 0; i < s_count (prog); i++)
        if (strcmp (s_cmd (prog, i)->name, name) == 0)
            return s_cmd (prog, i);
    return NULL;
}

/* Returns true when word is the first word of a two-word command. */
static bool
s_is_group (const us_prog_t *prog, const char *word)
{
    size_t len = strlen (word);
    for (int i = 0; i < s_count (prog); i++) {
        const char *name = s_cmd (prog, i)->name;
        if (strncmp (name, word, len) == 0 && name [len] == ' ')
            return true;
    }
    return false;
}

/* Returns the edit distance between a and b (insertions, deletions,
   substitutions and swaps of neighbours), capped at 9. */
static int
s_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > 40 || lb > 40)
        return 9;
    int d [41][41];
    for (size_t i = 0; i <= la; i++)
        d [i][0] = (int) i;
    for (size_t j = 0; j <= lb; j++)
        d [0][j] = (int) j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a [i - 1] != b [j - 1];
            int best = d [i - 1][j] + 1;
            if (d [i][j - 1] + 1 < best)
                best = d [i][j - 1] + 1;
            if (d [i - 1][j - 1] + cost < best)
                best = d [i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a [i - 1] == b [j - 2] && a [i - 2] == b [j - 1]
            &&  d [i - 2][j - 2] + 1 < best)
                best = d [i - 2][j - 2] + 1;
            d [i][j] = best;
        }
    return d [la][lb] < 9 ? d [la][lb] : 9;
}

/* Returns the name of the command nearest to word, or NULL. */
const char *
us_args_nearest (const us_prog_t *prog, const char *word)
{
    static char group [64];
    const char *best = NULL;
    int best_d = 18;
    size_t len = strlen (word);
    for (int i = 0; i < s_count (prog); i++) {
        const char *name = s_cmd (prog, i)->name;
        /* A two-word command is also reached by its first word. */
        const char *space = strchr (name, ' ');
        char first [64];
        snprintf (first, sizeof first, "%.*s", space ? (int) (space - name) : 63, name);
        const char *cands [2] = { name, first };
        for (int k = 0; k < (space ? 2 : 1); k++) {
            /* In half steps, so that the start of a name beats a name
               one typing mistake away. */
            int d = 2 * s_distance (word, cands [k]);
            if (len >= 2 && (k == 1 || !space) && strncmp (cands [k], word, len) == 0 && d > 1)
                d = 1;
            if (d < best_d) {
                best_d = d;
                if (k == 1) {
                    snprintf (group, sizeof group, "%s", first);
                    best = group;
                }
                else
                    best = name;
            }
        }
    }
    /* Near enough to be a typing mistake, not another word. */
    return best && best_d <= 4 && (size_t) best_d < 2 * len ? best : NULL;
}

/* Prints text wrapped at 78 columns, each line indented; a newline in the
   text starts a new line. */
static void
s_wrap (FILE *out, const char *text, int indent)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        size_t word = strcspn (p, " \n");
        if (col > indent && col + 1 + (int) word > 78) {
            fputc ('\n', out);
            col = 0;
        }
        if (col == 0)
            col = fprintf (out, "%*s", indent, "");
        else
            col += fprintf (out, " ");
        col += fprintf (out, "%.*s", (int) word, p);
        p += word;
        if (*p == '\n' || !*p) {
            fputc ('\n', out);
            col = 0;
        }
        if (*p)
            p++;
    }
}

/* Writes len bytes of an example with "PROG" written as the program's
   name (the built-in commands' examples serve both programs). */
static void
s_example (FILE *out, const us_prog_t *prog, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (i + 4 <= len && strncmp (text + i, "PROG", 4) == 0) {
            fputs (prog->name, out);
            i += 3;
        }
        else
            fputc (text [i], out);
}

/* Prints the help of one command, or of the program when cmd is NULL. */
void
us_args_help (FILE *out, const us_prog_t *prog, const us_cmd_t *cmd)
{
    if (!cmd) {
        fprintf (out, "usage: %s [--db FILE] COMMAND [ARGS]\n"
                 "       %s help COMMAND    (or COMMAND --help): one command's help\n\n",
                 prog->name, prog->name);
        s_wrap (out, prog->description, 0);
        fputs ("\nCommands:\n", out);
        for (int i = 0; i < s_count (prog); i++)
            fprintf (out, "  %-20s %s\n", s_cmd (prog, i)->name, s_cmd (prog, i)->summary);
        fprintf (out, "\nGlobal options, before or after the command:\n"
                 "  --db FILE            the store (default $UNIONSYNC_DB, else ./unionsync.db)\n"
                 "  -h, --help           this help; with a command, that command's\n"
                 "  --version            print the version\n\n%s", prog->footer);
        return;
    }
    fprintf (out, "usage: %s %s%s%s%s\n\n  %s.\n", prog->name, cmd->name,
             *cmd->synopsis ? " " : "", cmd->synopsis,
             cmd->flags & US_CMD_NO_STORE ? "" : " [--db FILE]", cmd->summary);
    if (cmd->help) {
        fputc ('\n', out);
        s_wrap (out, cmd->help, 2);
    }
    fputs ("\nexample:\n", out);
    for (const char *line = cmd->example; *line; ) {
        size_t n = strcspn (line, "\n");
        fputs ("  ", out);
        s_example (out, prog, line, n);
        fputc ('\n', out);
        line += n + (line [n] == '\n');
    }
}

/* Prints the help of a group of two-word commands (word: "units"). */
static void
s_group_help (FILE *out, const us_prog_t *prog, const char *word)
{
    fprintf (out, "usage: %s %s SUBCOMMAND [ARGS]\n\n", prog->name, word);
    size_t len = strlen (word);
    for (int i = 0; i < s_count (prog); i++) {
        const us_cmd_t *c = s_cmd (prog, i);
        if (strncmp (c->name, word, len) == 0 && c->name [len] == ' ')
            fprintf (out, "  %-20s %s\n", c->name, c->summary);
    }
    fprintf (out, "\n%s help %s SUBCOMMAND: the help of one\n", prog->name, word);
}

/* Writes text for roff: escapes backslashes and dashes, and keeps a line
   from starting with a control character. */
static void
s_roff (FILE *out, const char *text)
{
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            fputs ("\\&", out);
        if (*p == '\\')
            fputs ("\\e", out);
        else
        if (*p == '-')
            fputs ("\\-", out);
        else
            fputc (*p, out);
        line_start = *p == '\n';
    }
}

/* Prints the program's man page (roff, section 1). */
void
us_args_man (FILE *out, const us_prog_t *prog)
{
    char upper [64];
    size_t i;
    for (i = 0; prog->name [i] && i < sizeof upper - 1; i++)
        upper [i] = (char) (prog->name [i] >= 'a' && prog->name [i] <= 'z'
                            ? prog->name [i] - 32 : prog->name [i]);
    upper [i] = 0;
    fprintf (out, ".TH %s 1 \"\" \"unionsync %s\" \"User Commands\"\n.SH NAME\n", upper,
             US_VERSION);
    s_roff (out, prog->name);
    fputs (" \\- ", out);
    s_roff (out, prog->summary);
    fprintf (out, "\n.SH SYNOPSIS\n.B %s\n[\\fB\\-\\-db\\fR \\fIFILE\\fR] \\fICOMMAND\\fR "
             "[\\fIARGS\\fR]\n.br\n.B %s\n\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n"
             ".SH DESCRIPTION\n", prog->name, prog->name);
    s_roff (out, prog->description);
    fputs ("\n.SH COMMANDS\n", out);
    for (int k = 0; k < s_count (prog); k++) {
        const us_cmd_t *c = s_cmd (prog, k);
        fputs (".TP\n.B ", out);
        s_roff (out, c->name);
        if (*c->synopsis) {
            fputs (" ", out);
            s_roff (out, c->synopsis);
        }
        fputs ("\n", out);
        s_roff (out, c->summary);
        fputs (".\n", out);
        if (c->help) {
            fputs ("\n", out);
            s_roff (out, c->help);
            fputs ("\n", out);
        }
        fputs (".RS\n.PP\nExample:\n.nf\n", out);
        char *example = NULL;
        size_t len = 0;
        FILE *text = open_memstream (&example, &len);
        if (text) {
            s_example (text, prog, c->example, strlen (c->example));
            fclose (text);
        }
        s_roff (out, example ? example : c->example);
        free (example);
        fputs ("\n.fi\n.RE\n", out);
    }
    fputs (".SH OPTIONS\nGlobal options go before or after the command.\n"
           ".TP\n.BI \\-\\-db \" FILE\"\nThe store (default \\fB$UNIONSYNC_DB\\fR, else "
           "\\fI./unionsync.db\\fR).\n.TP\n.BR \\-h \", \" \\-\\-help\n"
           "The program's help, or with a command that command's.\n"
           ".TP\n.B \\-\\-version\nPrint the version.\n.SH NOTES\n", out);
    s_roff (out, prog->footer);
    fprintf (out, "\n.SH SEE ALSO\n.BR %s (1)\n",
             strcmp (prog->name, "unionsync") == 0 ? "unionsync\\-server" : "unionsync");
}

/* Prints the options of a synopsis (--name words) separated by spaces;
   with values_only, only those followed by a VALUE. */
static void
s_synopsis_options (FILE *out, const char *synopsis, bool values_only)
{
    for (const char *p = strstr (synopsis, "--"); p; p = strstr (p + 2, "--")) {
        size_t n = 2 + strspn (p + 2, "abcdefghijklmnopqrstuvwxyz-");
        bool value = p [n] == ' ' && p [n + 1] >= 'A' && p [n + 1] <= 'Z';
        if (n > 2 && (!values_only || value))
            fprintf (out, " %.*s", (int) n, p);
    }
}

/* Prints a bash completion script for the program. */
void
us_args_completion (FILE *out, const us_prog_t *prog)
{
    char fn [64];
    size_t i;
    for (i = 0; prog->name [i] && i < sizeof fn - 2; i++)
        fn [i] = prog->name [i] == '-' ? '_' : prog->name [i];
    fn [i] = 0;
    fprintf (out, "# bash completion for %s, written by `%s completion bash`.\n"
             "_%s () {\n"
             "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
             "    local valued='--db", prog->name, prog->name, fn);
    for (int k = 0; k < s_count (prog); k++)
        s_synopsis_options (out, s_cmd (prog, k)->synopsis, true);
    fputs ("'\n    case \" $valued \" in *\" $prev \"*)\n"
           "        COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n    esac\n"
           "    local words=() k\n"
           "    for ((k = 1; k < COMP_CWORD; k++)); do\n"
           "        case ${COMP_WORDS[k]} in\n"
           "            -*) case \" $valued \" in *\" ${COMP_WORDS[k]} \"*) ((k++));; esac;;\n"
           "            *) words+=(\"${COMP_WORDS[k]}\");;\n"
           "        esac\n    done\n"
           "    local cmd=\"${words[*]:0:2}\" opts\n"
           "    case ${#words[@]} in\n"
           "        0) COMPREPLY=($(compgen -W '", out);
    for (int k = 0; k < s_count (prog); k++) {
        const char *name = s_cmd (prog, k)->name;
        const char *space = strchr (name, ' ');
        /* A group's first word once, at its first command. */
        bool seen = false;
        for (int j = 0; space && j < k; j++)
            seen |= strncmp (s_cmd (prog, j)->name, name, (size_t) (space - name + 1)) == 0;
        if (!seen)
            fprintf (out, "%s%.*s", k ? " " : "", space ? (int) (space - name) : 64, name);
    }
    fputs (" --db --help --version' -- \"$cur\")); return;;\n    esac\n"
           "    case $cmd in\n", out);
    fprintf (out, "        help|\"help \"*) opts='");
    for (int k = 0; k < s_count (prog); k++)
        fprintf (out, "%s%s", k ? " " : "", s_cmd (prog, k)->name);
    fputs ("';;\n", out);
    for (int k = 0; k < s_count (prog); k++) {
        const us_cmd_t *c = s_cmd (prog, k);
        const char *space = strchr (c->name, ' ');
        if (space)
            fprintf (out, "        \"%s\"*) opts='", c->name);
        else
            fprintf (out, "        \"%s\"|\"%s \"*) opts='", c->name, c->name);
        fputs ("--help", out);
        if (!(c->flags & US_CMD_NO_STORE))
            fputs (" --db", out);
        s_synopsis_options (out, c->synopsis, false);
        fputs ("';;\n", out);
    }
    /* The second word of a group. */
    for (int k = 0; k < s_count (prog); k++) {
        const char *name = s_cmd (prog, k)->name;
        const char *space = strchr (name, ' ');
        bool seen = false;
        for (int j = 0; space && j < k; j++)
            seen |= strncmp (s_cmd (prog, j)->name, name, (size_t) (space - name + 1)) == 0;
        if (!space || seen)
            continue;
        fprintf (out, "        \"%.*s\") opts='", (int) (space - name), name);
        for (int j = k; j < s_count (prog); j++)
            if (strncmp (s_cmd (prog, j)->name, name, (size_t) (space - name + 1)) == 0)
                fprintf (out, "%s ", s_cmd (prog, j)->name + (space - name + 1));
        fputs ("';;\n", out);
    }
    fprintf (out, "        *) opts='--help --db';;\n    esac\n"
             "    if [[ $cur == -* ]] || [[ $opts != *--* ]]; then\n"
             "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
             "    else\n"
             "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
             "    fi\n}\ncomplete -F _%s %s\n", fn, prog->name);
}

/* help [COMMAND]: the program's help or one command's. */
static int
s_builtin_help (int argc, char **argv)
{
    if (argc == 0) {
        us_args_help (stdout, s_program, NULL);
        return 0;
    }
    char name [128];
    snprintf (name, sizeof name, "%s%s%s", argv [0], argc > 1 ? " " : "", argc > 1 ? argv [1] : "");
    const us_cmd_t *cmd = us_args_find (s_program, name);
    if (!cmd && argc > 1)
        cmd = us_args_find (s_program, argv [0]);
    if (cmd) {
        us_args_help (stdout, s_program, cmd);
        return 0;
    }
    if (s_is_group (s_program, argv [0])) {
        s_group_help (stdout, s_program, argv [0]);
        return 0;
    }
    const char *near = us_args_nearest (s_program, name);
    fprintf (stderr, "%s: no command '%s'%s%s%s\n", s_program->name, name,
             near ? "; did you mean " : " (see --help)", near ? near : "", near ? "?" : "");
    return US_EXIT_USAGE;
}

/* completion bash: prints the completion script. */
static int
s_builtin_completion (int argc, char **argv)
{
    if (argc != 1 || strcmp (argv [0], "bash") != 0)
        return us_args_usage_error ("completion needs a shell: bash");
    us_args_completion (stdout, s_program);
    return 0;
}

/* Reports an unknown command, naming the nearest one. */
static int
s_unknown (const us_prog_t *prog, const char *word)
{
    const char *near = us_args_nearest (prog, word);
    if (near)
        fprintf (stderr, "%s: unknown command '%s'; did you mean %s?\n", prog->name, word, near);
    else
        fprintf (stderr, "%s: unknown command '%s' (see --help)\n", prog->name, word);
    return US_EXIT_USAGE;
}

/* The global options, wherever they were given. */
typedef struct {
    const char *db;                 /* the last --db */
    bool help, version, man;
} s_globals_t;

/* Takes a global option at argv [*i]; returns 1 when it was one, 0 when
   not, or an exit code + 2 on a usage error. */
static int
s_global (s_globals_t *g, int argc, char **argv, int *i)
{
    const char *a = argv [*i];
    if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        g->help = true;
    else
    if (strcmp (a, "--version") == 0)
        g->version = true;
    else
    if (strcmp (a, "--help-man") == 0)
        g->man = true;
    else
    if (strncmp (a, "--db=", 5) == 0)
        g->db = a + 5;
    else
    if (strcmp (a, "--db") == 0) {
        if (*i + 1 >= argc)
            return 2 + us_args_usage_error ("option --db needs a value");
        g->db = argv [++*i];
    }
    else
        return 0;
    return 1;
}

/* Takes the global options before the command; sets *at to the command's
   first word. Returns -1 to go on, else an exit code. */
static int
s_globals_before (s_globals_t *g, int *at, const us_prog_t *prog, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv [i][0] == '-' && argv [i][1]; i++) {
        int taken = s_global (g, argc, argv, &i);
        if (taken > 1)
            return taken - 2;
        if (taken == 0) {
            fprintf (stderr, "%s: unknown option %s before the command (see --help)\n",
                     prog->name, argv [i]);
            return US_EXIT_USAGE;
        }
    }
    *at = i;
    return -1;
}

/* Returns the command at argv [i] (two words first: "units list"), or
   NULL; sets *first to the index of its first argument. */
static const us_cmd_t *
s_command_at (const us_prog_t *prog, int argc, char **argv, int i, int *first)
{
    *first = i + 1;
    if (i + 1 < argc) {
        char two [128];
        snprintf (two, sizeof two, "%s %s", argv [i], argv [i + 1]);
        const us_cmd_t *cmd = us_args_find (prog, two);
        if (cmd) {
            *first = i + 2;
            return cmd;
        }
    }
    return us_args_find (prog, argv [i]);
}

/* Copies the command's arguments into rest, taking out the global options
   (up to a "--"); sets *n. Returns -1 to go on, else an exit code. */
static int
s_globals_after (s_globals_t *g, char **rest, int *n, int argc, char **argv, int first)
{
    bool only_pos = false;
    *n = 0;
    for (int k = first; k < argc; k++) {
        only_pos |= strcmp (argv [k], "--") == 0;
        int taken = only_pos ? 0 : s_global (g, argc, argv, &k);
        if (taken > 1)
            return taken - 2;
        if (taken == 0)
            rest [(*n)++] = argv [k];
    }
    return -1;
}

/* Answers a command line whose words name no command: a group's help, or
   the nearest command. */
static int
s_not_found (const us_prog_t *prog, bool help, int argc, char **argv, int i)
{
    bool group = s_is_group (prog, argv [i]);
    if (group && (help || i + 1 == argc)) {
        s_group_help (help ? stdout : stderr, prog, argv [i]);
        return help ? 0 : US_EXIT_USAGE;
    }
    char two [128];
    snprintf (two, sizeof two, "%s %s", argv [i], i + 1 < argc ? argv [i + 1] : "");
    if (group)
        return s_unknown (prog, two);
    /* Perhaps a mistyped two-word command: "unit list". */
    const char *near = i + 1 < argc && argv [i + 1][0] != '-' ? us_args_nearest (prog, two) : NULL;
    if (near && strchr (near, ' ')) {
        fprintf (stderr, "%s: unknown command '%s'; did you mean %s?\n", prog->name, two, near);
        return US_EXIT_USAGE;
    }
    return s_unknown (prog, argv [i]);
}

/* Runs the command argv names; returns the exit code. */
int
us_args_main (const us_prog_t *prog, int argc, char **argv)
{
    s_program = prog;
    us_args_setup (prog->name, "");
    s_globals_t g = { NULL, false, false, false };
    int i, first, n;
    int rc = s_globals_before (&g, &i, prog, argc, argv);
    if (rc >= 0)
        return rc;
    if (g.version || g.man || i == argc) {
        if (g.version)
            printf ("%s %s\n", prog->name, US_VERSION);
        else
        if (g.man)
            us_args_man (stdout, prog);
        else
            us_args_help (g.help ? stdout : stderr, prog, NULL);
        return g.version || g.man || g.help ? 0 : US_EXIT_USAGE;
    }
    const us_cmd_t *cmd = s_command_at (prog, argc, argv, i, &first);
    /* Room for the arguments and a --db FILE put in front. */
    char **rest = calloc ((size_t) argc + 3, sizeof *rest);
    if (!rest)
        return us_args_fail (us_error_set (US_ENOMEM, "out of memory"));
    rc = s_globals_after (&g, rest + 2, &n, argc, argv, first);
    if (rc < 0 && !cmd)
        rc = s_not_found (prog, g.help, argc, argv, i);
    else
    if (rc < 0 && g.help) {
        us_args_help (stdout, prog, cmd);
        rc = 0;
    }
    else
    if (rc < 0 && g.version) {
        printf ("%s %s\n", prog->name, US_VERSION);
        rc = 0;
    }
    else
    if (rc < 0) {
        char **run_argv = rest + 2;
        if (g.db && !(cmd->flags & US_CMD_NO_STORE)) {
            run_argv = rest;
            rest [0] = "--db";
            rest [1] = (char *) g.db;
            n += 2;
        }
        s_current = cmd;
        rc = cmd->run (n, run_argv);
    }
    free (rest);
    return rc;
}

/* Sets path to the helper program: beside this program (a build tree),
   else in ../libexec/unionsync/ from it (an installation). */
static int
s_helper_path (char *path, size_t size, const char *helper)
{
    char self [4096];
    ssize_t len = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return us_error_set (US_EIO, "cannot find this program's own file: %s", strerror (errno));
    self [len] = 0;
    char *slash = strrchr (self, '/');
    if (slash)
        *slash = 0;
    static const char *const where [] = { "%s/%s", "%s/../libexec/unionsync/%s" };
    for (size_t i = 0; i < sizeof where / sizeof where [0]; i++) {
        int n = snprintf (path, size, where [i], self, helper);
        if (n > 0 && (size_t) n < size && access (path, X_OK) == 0)
            return 0;
    }
    return us_error_set (US_EIO, "%s is missing beside %s and in %s/../libexec/unionsync/: "
                         "reinstall unionsync", helper, self, self);
}

/* Runs prog command argv... in the helper program, in this process. */
int
us_args_exec_helper (const char *helper, const char *prog, const char *command,
                     int argc, char **argv)
{
    char path [4400];
    int rc = s_helper_path (path, sizeof path, helper);
    char **args = rc == 0 ? calloc ((size_t) argc + 3, sizeof *args) : NULL;
    if (rc == 0 && !args)
        rc = us_error_set (US_ENOMEM, "out of memory");
    if (rc)
        return us_args_fail (rc);
    args [0] = (char *) prog;
    args [1] = (char *) command;
    memcpy (args + 2, argv, (size_t) argc * sizeof *argv);
    fflush (NULL);
    execv (path, args);
    rc = us_error_set (US_EIO, "cannot run %s: %s", path, strerror (errno));
    free (args);
    return us_args_fail (rc);
}
