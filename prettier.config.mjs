// Prettier formats assembly/ only; Biome (biome.jsonc) formats everything else, with the same settings.
// Why a second formatter: AssemblyScript puts decorators on top-level functions (`@inline function f`),
// which Biome's TypeScript parser rejects. The assemblyscript-prettier plugin finds the decorators with
// AssemblyScript's own parser (package.json's `overrides` points it at our assemblyscript, so the formatter
// reads the language the compiler reads), hides them in comments while Prettier's TypeScript printer runs,
// and puts them back. .prettierignore keeps Prettier away from the files Biome owns.
export default {
  plugins: ['assemblyscript-prettier'],
  printWidth: 120,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: true,
  trailingComma: 'all',
  arrowParens: 'always',
};
