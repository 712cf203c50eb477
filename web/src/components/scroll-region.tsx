/** @module A horizontally scrolling box that keyboard users can scroll too. */
import type { ComponentChildren } from 'preact';

/** A labelled region that scrolls wide tables; focusable so arrow keys scroll it (WCAG 2.1.1). */
export function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
    <section class="scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
