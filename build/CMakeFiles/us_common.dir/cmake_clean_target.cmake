file(REMOVE_RECURSE
  "libus_common.a"
)
