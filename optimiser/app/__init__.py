"""The Streamlit page's sections, one module each; `app.py` arranges them. Layout and widgets only: every
number comes from the package, and every conversion between scenario and widgets is a pure, tested function.
"""
