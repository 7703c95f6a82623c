"""Work no user asks for: timers' safety nets and auto-close, erasure and retention, health."""
