# Empty dependencies file for unionsync-server.
# This may be replaced when dependencies are built.
