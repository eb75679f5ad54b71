"""Which packages and files a wheel holds (the rest of the metadata is in pyproject.toml).

The web demo's page (src/app/static/) goes in as package data. The shipped model and the example
inputs live beside src/ in the checkout; a wheel carries them
inside the package, as src._shipped.exps and src._shipped.assets, where src/config.py looks
when it is installed. Only the shipped model's own files go in, not outputs written beside it.
"""

from setuptools import find_packages, setup

SHIPPED = {"src._shipped.exps": "exps", "src._shipped.assets": "assets"}

setup(
    packages=find_packages(include=["src", "src.*", "prepare"]) + list(SHIPPED),
    package_dir=SHIPPED,
    package_data={
        "src._shipped.exps": ["README.md", "smog_builtin/*.tar", "smog_builtin/*.md", "smog_builtin/*.yaml",
                              "smog_builtin/*.csv", "smog_builtin/*.png", "smog_builtin/*.sh",
                              "evaluator_builtin/*.pt", "evaluator_builtin/*.md", "evaluator_builtin/*.log"],
        "src._shipped.assets": ["*.txt", "*.csv", "*.json"],
        "src.app": ["static/*"],  # the web demo's page, script and style
    },
)
