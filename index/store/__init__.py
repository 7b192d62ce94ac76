"""What is kept on disk: index generations and readers' feedback."""
