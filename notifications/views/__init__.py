"""Text-message pages: the inbox, the administrators' editors, the sent list (development) and
Twilio's webhooks."""
