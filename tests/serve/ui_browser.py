#!/usr/bin/env python3
"""ui_browser.py — the /ui/ page in a real browser (headless Chromium driven by selenium).

Loads /ui/, sets d = 8, r = 1.5, the hit method and a small sample count, presses Run with
the keyboard, waits for the result, reads the estimate, hits and z from the page and
compares them with what /so8t/volume answers (without streaming) for the request the page
shows it sent; checks the plot has points, the explanation (template mode) appears with its
numbers marked, the SO(8) table fills, and the browser logged no console error. Saves a
screenshot. Prints one line per check ("ok ..." / "FAIL ...") and "N passed, M failed".
Exit 0 when all passed, 1 otherwise, 77 when the browser cannot start (the caller SKIPs).
"""
import argparse
import json
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok", what)
    else:
        failed += 1
        print("FAIL", what)


def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def set_value(drv, elem_id, value):
    e = drv.find_element(By.ID, elem_id)
    e.clear()
    e.send_keys(str(value))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--driver", default="/usr/bin/chromedriver")
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--samples", type=int, default=262144)
    a = ap.parse_args()
    base = "http://127.0.0.1:%d" % a.port

    opts = webdriver.ChromeOptions()
    opts.binary_location = a.chromium
    for o in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,2300", "--no-first-run", "--disable-extensions"):
        opts.add_argument(o)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        drv = webdriver.Chrome(service=Service(a.driver), options=opts)
    except WebDriverException as e:
        print("cannot start chromium: %s" % str(e).splitlines()[0])
        return 77
    try:
        drv.set_page_load_timeout(20)
        drv.get(base + "/ui/")
        check("so8t" in drv.title, "the page loads (title %r)" % drv.title)
        wait = WebDriverWait(drv, 40, poll_frequency=0.1)
        wait.until(lambda d: "GPU" in d.find_element(By.ID, "device").text)
        dev = drv.find_element(By.ID, "device").text
        check(dev.startswith("No GPU") or dev.startswith("GPU:"), "says whether it has a GPU: %r" % dev)
        # the plot is empty before a run
        check(not drv.find_elements(By.CSS_SELECTOR, "#plot circle.pt"), "no points before the run")

        set_value(drv, "dim", 8)
        set_value(drv, "radius", 1.5)
        drv.find_element(By.CSS_SELECTOR, "#method option[value=hit]").click()
        set_value(drv, "samples", a.samples)
        # keyboard: Enter in a field submits the form
        drv.find_element(By.ID, "samples").send_keys(Keys.ENTER)
        wait.until(lambda d: d.find_element(By.ID, "status").text.startswith(("Done", "Error")))
        st = drv.find_element(By.ID, "status").text
        check(st.startswith("Done"), "the run finishes: %r" % st)
        est = drv.find_element(By.ID, "estimate").text
        hits = drv.find_element(By.ID, "hits").text
        z = drv.find_element(By.ID, "z").text
        req = json.loads(drv.find_element(By.ID, "request").get_attribute("textContent"))
        check(req.get("dim") == 8 and req.get("radius") == 1.5 and req.get("samples") == a.samples
              and req.get("method") == "hit", "the request carries the form: %s" % json.dumps(req))
        api = post(base, "/so8t/volume", req)
        check(float(est) == float("%.12g" % api["estimate"]),
              "estimate on the page %s = API %r" % (est, api["estimate"]))
        check(hits == str(api["hits"]), "hits on the page %s = API %r" % (hits, api["hits"]))
        check(float(z) == float("%.6g" % api["z"]), "z on the page %s = API %r" % (z, api["z"]))
        npts = len(drv.find_elements(By.CSS_SELECTOR, "#plot circle.pt"))
        check(npts >= 3, "the plot has points (%d)" % npts)
        check(len(drv.find_elements(By.CSS_SELECTOR, "#plot line.exact")) == 1, "the exact line is drawn")
        # what the download buttons save: the result's JSON text and the plot's SVG
        saved = drv.execute_script("return lastJSON")
        check(json.loads(saved)["hits"] == api["hits"] and saved.startswith('{"quantity":"volume"'),
              "Download JSON holds the result")
        svg = drv.execute_script("return new XMLSerializer().serializeToString("
                                 "document.querySelector('#plot svg'))")
        check(svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
              and svg.count("<circle") == npts, "Download SVG is a standalone SVG with the points")
        with open(a.screenshot.rsplit(".", 1)[0] + "-plot.svg", "w", encoding="utf-8") as f:
            f.write(svg)
        rows = drv.find_elements(By.CSS_SELECTOR, "#verify_table tbody tr")
        check(len(rows) >= 1 and rows[0].find_elements(By.TAG_NAME, "td")[1].text == str(api["cpu"]["hits"]),
              "the verify table has the CPU's hits")

        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#explanation span.num")
                   or d.find_element(By.ID, "explain_status").text.startswith("Error")
                   or d.find_element(By.ID, "status").text.startswith("Error"))
        text = drv.find_element(By.ID, "explanation").text
        marks = drv.find_elements(By.CSS_SELECTOR, "#explanation span.num.ok")
        check(len(text) > 40 and len(marks) >= 2,
              "the explanation appears with checked numbers (%d marked): %r" % (len(marks), text[:80]))
        check("Template" in drv.find_element(By.ID, "explain_status").text, "template mode is named")

        set_value(drv, "rot_n", 2000)
        drv.find_element(By.ID, "rot_run").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rot_table tbody tr")) > 3
                   or d.find_element(By.ID, "rot_status").text.startswith("Error"))
        check(len(drv.find_elements(By.CSS_SELECTOR, "#rot_table tbody tr")) > 3,
              "the SO(8) table fills: %r" % drv.find_element(By.ID, "rot_status").text)

        drv.save_screenshot(a.screenshot)
        logs = drv.get_log("browser")
        errs = [l for l in logs if l.get("level") == "SEVERE"]
        check(not errs, "no console errors %s" % [l.get("message") for l in errs])
    finally:
        drv.quit()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
