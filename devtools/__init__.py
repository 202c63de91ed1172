"""Development tools, outside the application package: fictional demo data for `make run`, and
bulk fictional data for the benchmarks. Nothing in `diversion`, `scheduling` or
`notifications` imports them."""
