/* ui.c — GET /ui/: the page (serve/ui/index.html, app.js, style.css), compiled into the
 * binary by tools/embed_ui.sh (the Makefile's rule for ui_assets.h): no file on disk, no
 * network. "/ui" redirects to "/ui/". */
#include "serve/internal.h"
#include "serve/so8t_api.h"

#include <string.h>

#include "ui_assets.h" /* generated into the build folder */

const so8t_ui_file *so8t_ui_find(const char *path)
{
    if (!strcmp(path, "/ui/"))
        path = "/ui/index.html";
    for (size_t i = 0; i < sizeof ui_files / sizeof ui_files[0]; i++)
        if (!strcmp(ui_files[i].path, path))
            return &ui_files[i];
    return NULL;
}

enum MHD_Result serve_route_ui(serve_req *r)
{
    if (!strcmp(r->url, "/ui")) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, "Location", "/ui/");
        enum MHD_Result rc = MHD_queue_response(r->conn, 301, resp);
        MHD_destroy_response(resp);
        r->replied = 1;
        return rc;
    }
    const so8t_ui_file *f = so8t_ui_find(r->url);
    if (!f)
        return serve_reply_error(r, 404, "no page %s (the page is /ui/)", r->url);
    return serve_reply_raw(r, 200, f->ctype, (const char *)f->data, f->len);
}
