import { portName, portTable, SERVICES } from '@ecotrack/testing';
import { LOCAL_PORTS } from '../k6/lib/local-ports';

/** The k6 scripts cannot read tools/ports.env, so they carry a copy of the services' rows: it must agree. */
describe("the k6 scripts' local ports", () => {
  it("are the port table's, for every service", () => {
    const table = portTable();
    expect(LOCAL_PORTS).toEqual(Object.fromEntries(SERVICES.map((service) => [service, table[portName(service)]])));
  });
});
