"""Messages: every SMS Otto sends or receives, threaded per contact card."""
