// The vscode-languageserver/-client/-jsonrpc packages (v10/v11) declare their entry points only
// in package.json "exports", which the project's `moduleResolution: "node"` does not read, so
// TypeScript finds no types for them (Node, tsx and esbuild do read "exports" and load them
// fine). These declarations point the type checker at the files the exports name. Files that
// use the packages reference this file with `/// <reference path>`. If the project moves to
// `moduleResolution: "node16"`, this file becomes unnecessary and can be deleted.
declare module "vscode-jsonrpc" {
  export * from "vscode-jsonrpc/lib/common/api";
}
declare module "vscode-jsonrpc/node" {
  export * from "vscode-jsonrpc/lib/node/main";
}
declare module "vscode-languageserver-protocol" {
  export * from "vscode-languageserver-protocol/lib/common/api";
}
declare module "vscode-languageserver-protocol/node" {
  export * from "vscode-languageserver-protocol/lib/node/main";
}
declare module "vscode-languageserver" {
  export * from "vscode-languageserver/lib/common/api";
}
declare module "vscode-languageserver/node" {
  export * from "vscode-languageserver/lib/node/main";
}
declare module "vscode-languageclient" {
  export * from "vscode-languageclient/lib/common/api";
}
declare module "vscode-languageclient/node" {
  export * from "vscode-languageclient/lib/node/main";
}
