"""What leaves modulo-watch for other people: incident communication posted to chat. No textual imports."""
