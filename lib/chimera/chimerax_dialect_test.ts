import { assertEquals } from "../testing/mod.ts";
import { ChimeraXTranslator, shiftSpec } from "./chimerax_dialect.ts";
import { backendFor } from "./pool.ts";

Deno.test("shiftSpec shifts model numbers, not subids", () => {
  assertEquals(shiftSpec("#0"), "#1");
  assertEquals(shiftSpec("#1-3,5"), "#2-4,6");
  assertEquals(shiftSpec("#0.1"), "#1.1");
  assertEquals(shiftSpec("#98-99"), "#99-100");
});

Deno.test("ChimeraX translation of the ETSimulations T4SS commands (spec §1.3)", () => {
  const t = new ChimeraXTranslator();
  assertEquals(t.translate("shape sphere modelId #999"), [
    "shape sphere modelId #1000 radius 10",
  ]);
  assertEquals(t.translate("open #108 /d/membrane.mrc"), [
    "open /d/membrane.mrc id 109",
    "view position #109 sameAsModels #1000",
  ]);
  assertEquals(t.translate("vop scale #108 factor 1.500 modelId #98"), [
    "volume scale #109 factor 1.500 modelId #99",
  ]);
  assertEquals(t.translate("close #108"), ["close #109"]);
  assertEquals(t.translate("open #1 /d/barrel.mrc"), [
    "open /d/barrel.mrc id 2",
    "view position #2 sameAsModels #99",
  ]);
  assertEquals(t.translate("turn x 12 models #1 center 0,0,0 coordinateSystem #98"), [
    "turn x 12 models #2 center 0,0,0 coordinateSystem #99",
  ]);
  assertEquals(t.translate("move 0,0,-43 models #1 coordinateSystem 98"), [
    "move 0,0,-43 models #2 coordinateSystem #99",
  ]);
  // the rod inherits the position of the lowest model, now #1
  assertEquals(t.translate("open #2 /d/rod.mrc"), [
    "open /d/rod.mrc id 3",
    "view position #3 sameAsModels #2",
  ]);
  assertEquals(t.translate("vop add #1-2 modelId #99"), ["volume add #2-3 modelId #100"]);
  assertEquals(t.translate("vop zFlip #99"), ["volume flip #100 modelId #1 axis z"]);
  assertEquals(t.translate("volume #102 save /d/out.mrc"), [
    "save /d/out.mrc models #103 format mrc",
  ]);
  // a motion without models names every model (Chimera 1 moves all; ChimeraX the camera)
  assertEquals(t.translate("move x 5"), ["move x 5 models #1,2,3,99,100,1000"]);
  assertEquals(t.translate("close session"), ["close session"]);
  assertEquals(t.translate("open /d/a.mrc; volume #0 save /d/b.mrc"), [
    "open /d/a.mrc id 1",
    "save /d/b.mrc models #1 format mrc",
  ]);
});

Deno.test("backendFor: embedded, Chimera 1 or ChimeraX by the executable's name", () => {
  assertEquals(backendFor(undefined), "embedded");
  assertEquals(backendFor("/opt/UCSF/Chimera64-1.15/bin/chimera"), "chimera1");
  assertEquals(backendFor("/usr/bin/ChimeraX"), "chimerax");
  assertEquals(backendFor("/opt/chimerax/bin/chimerax-daily"), "chimerax");
});
