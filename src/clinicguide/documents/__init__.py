"""Patient documents: the consent form and the aftercare handout, as accessible HTML and tagged PDF.

Both come from one Jinja2 template set (``templates/``): :mod:`.sheet` gathers what a document
says from the guidance, :mod:`.render` writes the HTML and, from that same HTML, the PDF.
"""
