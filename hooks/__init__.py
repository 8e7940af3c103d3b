"""Command-line and git-aware entry points of revlib.

This package is the shell around :mod:`revlib`: it parses arguments, talks to git, prints, and
turns typed errors into exit codes (0 ok, 1 check failed or files changed, 2 usage or input error).
"""
