"""WCAG contrast of rendered text: colours read from the browser, ratio computed here."""

from __future__ import annotations

import re

CONTRAST_SCRIPT = """
nodes => nodes.map(node => {
  let background = null;
  for (let at = node; at && !background; at = at.parentElement) {
    const colour = getComputedStyle(at).backgroundColor;
    if (colour && !colour.endsWith(', 0)') && colour !== 'transparent') background = colour;
  }
  return [node.className || node.tagName, getComputedStyle(node).color,
          background || 'rgb(255, 255, 255)'];
})
"""


def luminance(css_colour: str) -> float:
    red, green, blue = (float(c) / 255 for c in re.findall(r"[\d.]+", css_colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
