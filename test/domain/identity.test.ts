import { describe, expect, it } from 'vitest';
import { directMessageId, isPerson, type Actor } from '../../src/domain/identity.ts';

const dave = { key: 'dave', ids: { teams: 'Dave@Contoso.example', slack: 'UDAVE' } };

describe('who is who', () => {
  it('matches a person by their id on the platform the actor speaks from', () => {
    expect(isPerson({ platform: 'slack', id: 'UDAVE', name: 'dave' }, dave)).toBe(true);
    expect(isPerson({ platform: 'teams', id: 'UDAVE', name: 'dave' }, dave)).toBe(false);
  });

  it('matches a Teams user listed by UPN through the aliases the roster gave, ignoring case', () => {
    const fromTeams: Actor = { platform: 'teams', id: '0da7e000-0000-4000-8000-000000000004', name: 'dave', aliases: ['dave@contoso.example'] };
    expect(isPerson(fromTeams, dave)).toBe(true);
    expect(isPerson({ ...fromTeams, aliases: [] }, dave)).toBe(false);
  });

  it('a person with no id on a platform is nobody there', () => {
    expect(isPerson({ platform: 'shell', id: '', name: 'dave' }, dave)).toBe(false);
  });
});

describe('direct messages', () => {
  it('go to the platform id; on Teams only to an AAD object id, never to a UPN', () => {
    const erin = { key: 'erin', ids: { teams: '0e000000-0000-4000-8000-000000000005' } };
    expect(directMessageId(dave, 'slack')).toBe('UDAVE');
    expect(directMessageId(dave, 'teams')).toBeNull(); // named by UPN
    expect(directMessageId(erin, 'teams')).toBe('0e000000-0000-4000-8000-000000000005');
    expect(directMessageId(erin, 'slack')).toBeNull();
  });
});
