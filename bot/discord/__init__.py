"""newsbot on Discord: channel questions, slash commands, feedback buttons.

Start it with ``bot.discord.run.run_bot(settings, token)``.
"""
