"""What people at the desk do: an agent's work (presence, picking, closing, transferring), the
workspace they read and write conversations in, and the supervisor's view."""
