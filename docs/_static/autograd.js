// A code block or output that scrolls (sideways, or down when it is capped in height):
// let keyboard readers focus it to scroll it.
const autogradFocusWideBlocks = () => {
  for (const pre of document.querySelectorAll("pre")) {
    if (pre.scrollWidth > pre.clientWidth || pre.scrollHeight > pre.clientHeight) pre.tabIndex = 0;
  }
};
autogradFocusWideBlocks();
window.addEventListener("resize", autogradFocusWideBlocks);
