file(REMOVE_RECURSE
  "libus_server.a"
)
