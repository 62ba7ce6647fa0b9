"""Shell completion scripts and "did you mean" suggestions, both read off the command's own parser.

``maskrender completion bash`` prints a script for bash, ``maskrender completion zsh`` one for
zsh (through zsh's ``bashcompinit``).  Commands, flags and the words an option takes
(``--mask-set restored|original``) come from the argument parser, itself built from the option
registry, so completion cannot fall behind the commands.

>>> import argparse
>>> p = argparse.ArgumentParser(prog="x")
>>> _ = p.add_argument("--opacity")
>>> suggest("--opactiy", flags(p))
'--opacity'
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable

__all__ = ["SHELLS", "commands", "flags", "script", "suggest"]

SHELLS = ("bash", "zsh")

_FILES = {"result", "image", "output", "out_dir", "source", "image_left", "image_right", "before", "before_image",
          "fonts", "lang"}
"""Arguments that name files: completed with file names."""


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-commands of ``parser``, by name.

    >>> from maskrender.cli import build_parser
    >>> list(commands(build_parser()))
    ['info', 'render', 'batch', 'report', 'export', 'completion']
    """
    for action in parser._actions:  # argparse keeps its sub-parsers here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def flags(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of ``parser`` (``-o``, ``--output`` ...), suppressed ones left out.

    >>> from maskrender.cli import build_parser
    >>> flags(commands(build_parser())["info"])
    ['-h', '--help', '--json']
    """
    return [s for a in parser._actions if a.help != argparse.SUPPRESS for s in a.option_strings]


def suggest(word: str, known: Iterable[str]) -> str | None:
    """The known word closest to a misspelt ``word`` (``--opactiy``: ``--opacity``), if one is close."""
    found = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(message: str, parser: argparse.ArgumentParser, argv: list[str]) -> str:
    """``message`` (argparse's) with a suggestion for the misspelt flag or command it names.

    >>> from maskrender.cli import build_parser
    >>> did_you_mean("maskrender: unrecognized arguments: --jsn", build_parser(), ["info", "x.json", "--jsn"])
    'maskrender: unrecognized arguments: --jsn; did you mean: --jsn -> --json?'
    """
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        close = suggest(choice.group(1), re.findall(r"'([^']*)'", choice.group(2)))
        return f"{message}; did you mean {close!r}?" if close else message
    value = re.search(r"expected one of (.*), not '([^']*)'$", message)
    if value:
        close = suggest(value.group(2).lower(), value.group(1).split(", "))
        return f"{message}; did you mean {close!r}?" if close else message
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if unknown:
        sub = commands(parser).get(next((a for a in argv if a in commands(parser)), ""), parser)
        hints = [f"{w} -> {close}" for w in unknown.group(1).split() if w.startswith("-")
                 for close in [suggest(w.split("=")[0], flags(sub))] if close]
        return f"{message}; did you mean: {', '.join(hints)}?" if hints else message
    return message


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, (argparse._HelpAction, argparse._VersionAction))


def _case(name: str, sub: argparse.ArgumentParser) -> str:
    """The bash ``case`` branch of one command: values after a flag, else flags or files."""
    lines = [f"        {name})", '            case "$prev" in']
    for action in sub._actions:
        if not action.option_strings or not _takes_value(action):
            continue
        pattern = "|".join(action.option_strings)
        words = list(action.choices or ()) or list(getattr(action.type, "choices", ()))
        if words:
            lines.append(f'                {pattern}) COMPREPLY=($(compgen -W "{" ".join(words)}" -- "$cur")); '
                         "return;;")
        elif action.dest in _FILES:
            lines.append(f'                {pattern}) COMPREPLY=($(compgen -f -- "$cur")); return;;')
        else:
            lines.append(f"                {pattern}) return;;")
    lines += ["            esac",
              f'            if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "{" ".join(flags(sub))}" -- "$cur"))',
              '            else COMPREPLY=($(compgen -f -- "$cur")); fi;;']
    return "\n".join(lines)


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser``'s program for ``shell`` (``bash`` or ``zsh``).

    >>> from maskrender.cli import build_parser
    >>> script(build_parser(), "bash").splitlines()[-1]
    'complete -o filenames -F _maskrender maskrender'
    """
    if shell not in SHELLS:
        raise ValueError(f"shell must be one of {', '.join(SHELLS)}, not {shell!r}")
    subs = commands(parser)
    prog = parser.prog
    top = " ".join([*subs, *flags(parser)])
    body = "\n".join(_case(n, s) for n, s in subs.items() if n != "completion")
    function = f"""_{prog}() {{
    local cur prev cmd i
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd=""
    for ((i=1; i<COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            {"|".join(subs)}) cmd="${{COMP_WORDS[i]}}"; break;;
        esac
    done
    case "$cmd" in
        "") COMPREPLY=($(compgen -W "{top}" -- "$cur"));;
        completion) COMPREPLY=($(compgen -W "{" ".join(SHELLS)}" -- "$cur"));;
{body}
    esac
}}
complete -o filenames -F _{prog} {prog}
"""
    if shell == "bash":
        return f"# bash completion for {prog}: eval \"$({prog} completion bash)\" in ~/.bashrc\n{function}"
    return (f"#compdef {prog}\n# zsh completion for {prog}: eval \"$({prog} completion zsh)\" in ~/.zshrc\n"
            f"autoload -U +X bashcompinit && bashcompinit\n{function}")
