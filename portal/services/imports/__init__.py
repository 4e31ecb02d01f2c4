"""Importing customers, sites, contacts and assets from a contractor's CSV files.

The steps, one module each: :mod:`formats` (the columns of each kind of file, the help and the
templates), :mod:`reading` (bytes to rows: encodings, header, kind), :mod:`checking` (every row
against the portal and the other files: what it will do, or why it cannot), :mod:`saving` (one
transaction that writes a checked batch) and :mod:`storing` (the uploaded files, kept privately).
"""
