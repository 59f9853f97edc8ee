"""Sphinx configuration shared by both sites.

Build one language with ``sphinx-build -c . docs/<lang> build/html/<lang>``; the
language (``en`` or ``zh_CN``) and everything that depends on it (the gallery
folders, the search dictionary) follow from the source folder's name, see
``autograd_docs.languages``.  Anything with logic lives in ``autograd_docs``.
"""

project = "PyTorch autograd notes"
author = "autograd-docs contributors"
copyright = "2026, autograd-docs contributors"  # per language: autograd_docs.languages.COPYRIGHTS

extensions = [
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "sphinx_sitemap",
    "autograd_docs",
]

# -- Sources -------------------------------------------------------------------
templates_path = ["docs/_templates"]
locale_dirs = ["../locales"]  # relative to docs/<lang>
exclude_patterns = [
    "auto_examples/**.ipynb",  # sphinx-gallery's notebooks are downloads, not pages to execute
    "auto_examples/**.py",
    "auto_examples/**.zip",
]
root_doc = "index"
nitpicky = True
smartquotes = False  # error messages are quoted verbatim: "Can't", not "Can’t"
suppress_warnings = []

# -- MyST and MyST-NB ----------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
# The cache path is set per device by autograd_docs.provenance, shared by both languages.
nb_execution_raise_on_error = True  # a cell that raises without `raises-exception` fails the build
nb_execution_timeout = 120
nb_merge_streams = True  # stdout and stderr in one block, as a reader sees them in a terminal
nb_execution_show_tb = True  # the failing cell's traceback goes to the build log

# -- Example gallery (examples_dirs and gallery_dirs are set per language) -----
sphinx_gallery_conf = {
    "filename_pattern": r"/plot_",
    "image_scrapers": (),  # examples print, they do not plot
    "default_thumb_file": "docs/_static/gallery-thumbnail.png",  # a small autograd graph, not the logo
    "download_all_examples": True,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 0,
    "first_notebook_cell": None,
    "line_numbers": False,
    "reset_modules": ("autograd_docs.gallery.reset_torch",),
    "reset_modules_order": "before",
    "subsection_order": ["graph", "gradients", "errors", "training", "advanced"],  # the reading order of the concept map
    "within_subsection_order": "autograd_docs.gallery.ReadingOrder",  # as each GALLERY_HEADER.rst introduces them
    "abort_on_example_error": False,
    "write_computation_times": False,  # timings differ run to run; pages must not
    "css": ["sg_gallery"],  # not the binder, dataframe and rendered-HTML styles: the examples print text
}

# -- Examples that teach an error ------------------------------------------------
# Each listed example must print a traceback ending in this message; every other
# example must print none.  See autograd_docs.gallery.
autograd_expected_errors = {
    "plot_leaf_tensors.py": "leaf Variable that requires grad is being used in an in-place operation",
    "plot_detach_data_no_grad.py": "needed for gradient computation has been modified by an inplace operation",
    "plot_two_optimizers.py": "is at version 2; expected version 1 instead",
    "plot_inplace_anomaly.py": "modified by an inplace operation",
    "plot_nan_anomaly.py": "returned nan values in its 0th output",
    "plot_mixed_precision.py": "Attempting to unscale FP16 gradients",
    "plot_custom_function.py": "Jacobian mismatch for output 0 with respect to input 0",
    "plot_ddp_cpu.py": "Expected to have finished reduction in the prior iteration",
    "plot_per_sample_gradients.py": "backward() called inside a functorch transform",
    "plot_train_eval_modes.py": "Inplace update to inference tensor outside InferenceMode",
    "plot_truncated_bptt.py": "Trying to backward through the graph a second time",
    "plot_wrong_fixes.py": "element 0 of tensors does not require grad and does not have a grad_fn",
}

# -- Where the site is published (a fork changes these two lines) -------------------
autograd_site_url = "https://pytorch-autograd-notes.github.io/autograd-docs/"
autograd_repository = "pytorch-autograd-notes/autograd-docs"  # GitHub owner/name, for "Open in Colab"
autograd_notebooks_branch = "gh-pages"  # the branch the deploy workflow publishes build/html to

# -- HTML ----------------------------------------------------------------------
html_theme = "furo"
html_static_path = ["docs/_static"]
html_css_files = ["autograd.css"]
html_favicon = "docs/_static/favicon.svg"  # an autograd graph; build/html/favicon.ico is its bitmap twin
# html_title is the site name in the page's language: autograd_docs.languages.SITE_TITLES
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_permalinks_icon = "#"
html_search_scorer = "docs/search-scorer.js"  # concept titles and pasted error messages rank first
html_theme_options = {
    "navigation_with_keys": True,
}

sitemap_url_scheme = "{link}"  # html_baseurl already ends in en/ or zh/
sitemap_excludes = ["search.html", "genindex.html"]

# -- Copy button: copy only what a reader types, never prompts or outputs --------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
