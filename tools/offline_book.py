"""A local Sphinx extension that keeps the built book working offline and error-free.

* The ipywidgets embed manager typesets widget labels with MathJax 2's
  ``MathJax.Hub.Queue``; the book serves MathJax 3, which has no ``Hub``. A small shim
  maps the old call onto ``MathJax.typesetPromise``.
* Jupyter Book 1 emits sphinx-thebe's configuration script twice, and the second copy
  fails ("THEBE_JS_URL has already been declared"); repeated scripts are dropped.
"""

MATHJAX2_SHIM = """
window.MathJax = window.MathJax || {};
(function () {
  const hub = {Queue: (command) => window.MathJax.startup && window.MathJax.startup.promise
                 .then(() => window.MathJax.typesetPromise([command[2]]))};
  window.MathJax.Hub = hub;
  const startup = window.MathJax.startup || {};
  window.MathJax.startup = Object.assign({}, startup, {ready() {
    (startup.ready || (() => window.MathJax.startup.defaultReady()))();
    window.MathJax.Hub = hub;
  }});
})();
"""


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # the same inline script is added once with filename None and once with ""
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: later handlers append to this list


def setup(app):
    app.add_js_file(None, body=MATHJAX2_SHIM, priority=501)  # after Sphinx's MathJax config
    # before any handler that returns a template name: the event stops at the first one
    app.connect("html-page-context", drop_repeated_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
