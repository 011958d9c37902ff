"""The shape of every email: a greeting, paragraphs, at most one button-like link, a footer
(why the person gets it; how to stop). Returns the plain-text part and a small accessible
HTML part (language set, one column, real link text, no images, everything escaped)."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from mutualaid.i18n import _, current_language


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@dataclass
class Draft:
    subject: str
    paragraphs: list[str]
    actions: list[Action] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)

    def render(self, name: str = "") -> Email:
        greeting = _("Hello %(name)s,", name=name) if name else _("Hello,")
        text_parts = [greeting, *self.paragraphs]
        for action in self.actions:
            text_parts.append(f"{action.label}:\n{action.url}")
        text = "\n\n".join(text_parts)
        if self.footer:
            text += "\n\n-- \n" + "\n".join(self.footer)
        html_parts = [Markup("<p>{}</p>").format(greeting)]
        html_parts += [Markup("<p>{}</p>").format(p) for p in self.paragraphs]
        html_parts += [
            Markup('<p><a href="{}">{}</a></p>').format(a.url, a.label) for a in self.actions
        ]
        foot = Markup("<br>").join(escape(f) for f in self.footer)
        html = Markup(
            '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            "<title>{subject}</title></head>"
            '<body style="font-family:sans-serif;font-size:16px;line-height:1.5;max-width:36em">'
            "{body}{footer}</body></html>"
        ).format(
            lang=current_language(),
            subject=self.subject,
            body=Markup("").join(html_parts),
            footer=Markup('<hr><p style="font-size:14px;color:#555">{}</p>').format(foot)
            if self.footer
            else "",
        )
        return Email(self.subject, text, str(html))
