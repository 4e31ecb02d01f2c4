"""Who is signed in: logins, sessions, tokens, throttling and password rules."""
