"""Reading articles, in pipeline order: files and their formats, HTML, cleaning, dates,
sentences, chunks, and syndicated copies."""
