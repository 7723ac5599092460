file(REMOVE_RECURSE
  "libus_client.a"
)
