"""Appointments: in-person, virtual or phone visits booked for a lead."""
