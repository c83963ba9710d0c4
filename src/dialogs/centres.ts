import { assign, setup } from 'xstate';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, text } from './screen';

interface CentresContext {
  province?: string;
  municipality?: string;
}

const chosen = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' ? event.value : undefined);

const machine = setup({
  types: { context: {} as CentresContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'centres',
  initial: 'provinces',
  context: {},
  states: {
    provinces: { on: { CHOOSE: { target: 'municipalities', actions: assign({ province: chosen }) }, BACK: 'done' } },
    municipalities: { on: { CHOOSE: { target: 'centres', actions: assign({ municipality: chosen }) }, BACK: 'provinces' } },
    centres: { on: { BACK: 'municipalities', CHOOSE: 'done' } },
    done: { type: 'final' },
  },
  output: () => TO_MENU,
});

/** Find the service centre for a province and municipality: where, when it opens, how to call. */
export const centresDialog: Dialog<CentresContext> = {
  name: 'centres',
  version: 1,
  machine,
  screens: {
    provinces: async ({ services }) => {
      const provinces = await services.catalog.provinces();
      return choiceScreen(
        [text('centres.provinces')],
        provinces.map((province) => ({ label: text('common.item', { name: province.name }), value: province.code })),
      );
    },
    municipalities: async ({ context, services }) => {
      const municipalities = await services.catalog.municipalitiesIn(context.province ?? '');
      return choiceScreen(
        [text('centres.municipalities')],
        municipalities.map((place) => ({ label: text('common.item', { name: place.name }), value: place.code })),
      );
    },
    centres: async ({ context, services }) => {
      const centres = await services.catalog.centresIn(context.municipality ?? '');
      if (centres.length === 0) return choiceScreen([text('centres.none')], [{ label: text('common.menu'), value: 'menu' }]);
      const body = centres.map((centre) =>
        text(centre.phone ? 'centres.entry_phone' : 'centres.entry', { name: centre.name, address: centre.address, hours: centre.hours, phone: centre.phone ?? '' }),
      );
      return choiceScreen(body, [{ label: text('common.menu'), value: 'menu' }]);
    },
  },
};
