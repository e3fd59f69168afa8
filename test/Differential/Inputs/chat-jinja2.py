# Renders chat-template cases (the JSON of chat-templates.mjs) with Python's
# Jinja2 configured as transformers' apply_chat_template configures it:
# trim_blocks, lstrip_blocks, loop controls, a sandbox, tojson without ASCII
# escaping, raise_exception and strftime_now. Prints one {"ok", "text"} or
# {"ok": false, "error"} per case.
import json
import sys
from datetime import datetime

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)

results = []
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        text = env.from_string(case["template"]).render(
            messages=case["messages"],
            add_generation_prompt=case["add_generation_prompt"],
            bos_token=case["bos_token"], eos_token=case["eos_token"])
        results.append({"ok": True, "text": text})
    except Exception as e:  # every failure of the template is a refusal
        results.append({"ok": False, "error": str(e)})
json.dump(results, sys.stdout, ensure_ascii=False)
