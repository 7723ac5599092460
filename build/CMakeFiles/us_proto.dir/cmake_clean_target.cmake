file(REMOVE_RECURSE
  "libus_proto.a"
)
