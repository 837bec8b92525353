print("chat-tui: the terminal client is not built yet")
