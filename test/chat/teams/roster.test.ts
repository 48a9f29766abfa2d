import { describe, expect, it } from 'vitest';
import { rosterAliases } from '../../../src/chat/teams/roster.ts';

const dave = { userPrincipalName: 'dave@contoso.example', email: 'dave.d@contoso.example' };

describe('Teams roster aliases, remembered per member', () => {
  it('reads a member once within the time it is kept, and again after it', async () => {
    const aliases = rosterAliases(300_000);
    let reads = 0;
    const read = async () => (reads++, dave);
    expect(await aliases('t/29:dave', read, 0)).toEqual(['dave@contoso.example', 'dave.d@contoso.example']);
    expect(await aliases('t/29:dave', read, 299_999)).toEqual(['dave@contoso.example', 'dave.d@contoso.example']);
    expect(reads).toBe(1);
    await aliases('t/29:dave', async () => (reads++, { userPrincipalName: 'dave@fabrikam.example' }), 300_000);
    expect(await aliases('t/29:dave', read, 300_001)).toEqual(['dave@fabrikam.example']);
    expect(reads).toBe(2);
  });

  it('keeps members apart, asks once for activities that arrive together, and does not remember a failed read', async () => {
    const aliases = rosterAliases(300_000);
    const asked: string[] = [];
    let answer: (entry: typeof dave | null) => void = () => {};
    const slow = (member: string) => () => (asked.push(member), new Promise<typeof dave | null>((resolve) => (answer = resolve)));
    const together = [aliases('t/29:dave', slow('dave'), 0), aliases('t/29:dave', slow('dave'), 1)];
    answer(null); // the roster could not be read
    expect(await Promise.all(together)).toEqual([null, null]);
    expect(asked).toEqual(['dave']);
    expect(await aliases('t/29:dave', async () => (asked.push('dave'), dave), 2)).toHaveLength(2);
    expect(await aliases('t/29:erin', async () => (asked.push('erin'), { email: 'erin@contoso.example' }), 3)).toEqual(['erin@contoso.example']);
    expect(asked).toEqual(['dave', 'dave', 'erin']);
  });
});
