# Empty dependencies file for us_common.
# This may be replaced when dependencies are built.
