# Empty dependencies file for us_client.
# This may be replaced when dependencies are built.
