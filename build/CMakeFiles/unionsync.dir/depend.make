# Empty dependencies file for unionsync.
# This may be replaced when dependencies are built.
