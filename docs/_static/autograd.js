// A code block wider than the page scrolls sideways: let keyboard readers focus it to scroll it.
const autogradFocusWideBlocks = () => {
  for (const pre of document.querySelectorAll("pre")) {
    if (pre.scrollWidth > pre.clientWidth) pre.tabIndex = 0;
  }
};
autogradFocusWideBlocks();
window.addEventListener("resize", autogradFocusWideBlocks);
