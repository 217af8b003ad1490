"""Recording sessions: geofenced in-person visit recordings, their transcripts and analyses."""
