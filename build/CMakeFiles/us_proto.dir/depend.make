# Empty dependencies file for us_proto.
# This may be replaced when dependencies are built.
