# Empty dependencies file for us-faultproxy.
# This may be replaced when dependencies are built.
