"""Sales reps: the company's reps, their agendas and call assignment."""
