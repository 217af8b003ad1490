"""Call intelligence: transcripts, versioned analyses, mobile v0 extractions and SOP results."""
