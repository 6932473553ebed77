"""SNA explorer: a map-first Strategic Needs Assessment for serious youth violence.

`sna` holds data access and computation (sources, build, queries); `geo` holds geometry.
Pages in `pages/` only render what these packages return.
"""

__version__ = "0.1.0"
