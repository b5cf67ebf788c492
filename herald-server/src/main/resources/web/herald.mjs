// herald.js as an ES module: `import Herald from '/herald.mjs'` or `import { Herald } from '/herald.mjs'`.
// herald.js is a classic script that sets globalThis.Herald; importing it runs it once.
import './herald.js';

const Herald = globalThis.Herald;
export default Herald;
export { Herald };
