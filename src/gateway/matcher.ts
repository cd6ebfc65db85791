/**
 * Scope patterns compiled into one segment trie per tenant (INTERFACE.md "Gateway"): a literal
 * segment, `*` for exactly one segment, a trailing `/**` for zero or more. Matching walks the
 * request's segments once, visiting only the branches that can match, so its cost follows the
 * path's length, not the number of patterns.
 */
import { normalisePath } from './path.js';

interface Grant {
  scope: string;
  /** Upper-case methods, or undefined for any method. */
  methods: Set<string> | undefined;
}

class TrieNode {
  readonly literal = new Map<string, TrieNode>();
  star: TrieNode | undefined;
  /** Patterns ending here. */
  readonly exact: Grant[] = [];
  /** Patterns ending in `/**` here: they match this node and everything below. */
  readonly deep: Grant[] = [];
}

export function parsePattern(pattern: string): { methods: Set<string> | undefined; segments: string[]; deep: boolean } {
  const space = pattern.indexOf(' ');
  const methods = space > 0 ? new Set(pattern.slice(0, space).split(',')) : undefined;
  const path = space > 0 ? pattern.slice(space + 1) : pattern;
  const raw = path.split('/').filter((s) => s !== '');
  const deep = raw.at(-1) === '**';
  const segments = (deep ? raw.slice(0, -1) : raw).map((segment) => (segment === '*' ? segment : normalisePath(`/${segment}`).segments[0]!));
  return { methods, segments, deep };
}

export class ScopeMatcher {
  private readonly root = new TrieNode();
  private patternCount = 0;

  add(scope: string, pattern: string): void {
    const { methods, segments, deep } = parsePattern(pattern);
    let node = this.root;
    for (const segment of segments) {
      if (segment === '*') node = node.star ??= new TrieNode();
      else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = new TrieNode()));
        node = next;
      }
    }
    (deep ? node.deep : node.exact).push({ scope, methods });
    this.patternCount++;
  }

  get size(): number {
    return this.patternCount;
  }

  /** The scopes one of whose patterns allows `method` on the path. */
  scopesFor(method: string, segments: string[]): Set<string> {
    const found = new Set<string>();
    this.visit(this.root, 0, method, segments, (scope) => {
      found.add(scope);
      return false;
    });
    return found;
  }

  /** Whether any of `scopes` allows the request (the gateway's question, on every request): stops at the first. */
  allows(method: string, segments: string[], scopes: string[]): boolean {
    return scopes.length > 0 && this.visit(this.root, 0, method, segments, (scope) => scopes.includes(scope));
  }

  /** Offers `accept` every scope whose pattern allows the request, until it answers true. */
  private visit(node: TrieNode, depth: number, method: string, segments: string[], accept: (scope: string) => boolean): boolean {
    if (this.offer(node.deep, method, accept)) return true;
    if (depth === segments.length) return this.offer(node.exact, method, accept);
    const next = node.literal.get(segments[depth]!);
    if (next && this.visit(next, depth + 1, method, segments, accept)) return true;
    return node.star !== undefined && this.visit(node.star, depth + 1, method, segments, accept);
  }

  private offer(grants: Grant[], method: string, accept: (scope: string) => boolean): boolean {
    for (const grant of grants) if ((!grant.methods || grant.methods.has(method)) && accept(grant.scope)) return true;
    return false;
  }
}
