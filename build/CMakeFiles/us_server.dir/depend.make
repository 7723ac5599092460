# Empty dependencies file for us_server.
# This may be replaced when dependencies are built.
