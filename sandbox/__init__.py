"""Local stand-ins for OTMM, Box and SMTP: real HTTP servers for tests, the demo and benchmarks."""
