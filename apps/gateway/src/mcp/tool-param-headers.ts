import { Injectable } from '@nestjs/common';
import { paramHeaderDeclarations, type ParamHeaderDeclaration } from '@app/mcp-protocol';

const MAX_TOOLS = 20_000;

/**
 * The `x-mcp-header` declarations of the tools the gateway has seen listed, per route: what lets
 * it check a 2026-07-28 call's `Mcp-Param-*` headers against the body itself (SPEC-MUST 16)
 * before forwarding. A tool it has not seen listed is checked by its upstream only.
 */
@Injectable()
export class ToolParamHeaders {
  private readonly byTool = new Map<string, readonly ParamHeaderDeclaration[]>();

  record(route: string, tool: string, inputSchema: unknown): void {
    const key = `${route}\n${tool}`;
    const declarations = paramHeaderDeclarations(inputSchema);
    this.byTool.delete(key);
    if (declarations.length === 0) {
      return;
    }
    if (this.byTool.size >= MAX_TOOLS) {
      this.byTool.delete(this.byTool.keys().next().value!);
    }
    this.byTool.set(key, declarations);
  }

  declarations(route: string, tool: string): readonly ParamHeaderDeclaration[] {
    return this.byTool.get(`${route}\n${tool}`) ?? [];
  }
}
